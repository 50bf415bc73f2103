#!/usr/bin/env bash
# Install Newt and MMBench: system packages, then the Python package (editable, with test extras)
# into the active Python environment. Idempotent: running it again changes nothing.
# Use a virtual environment first if you do not want to install into your system Python.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- system packages -------------------------------------------------------------------------
# EGL and OSMesa: headless MuJoCo / dm_control rendering. (The Vulkan stack for ManiSkill is below.)
APT_PACKAGES="libegl1 libgl1 libosmesa6 libglfw3 g++"  # MP4 encoding uses the imageio-ffmpeg wheel; g++: torch.compile builds the CPU Mish kernels (newt/kernels.py)
if command -v apt-get >/dev/null 2>&1; then
    missing=""
    for p in $APT_PACKAGES; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
    fi
else
    echo "setup.sh: apt-get not found; install EGL/OSMesa yourself ($APT_PACKAGES)" >&2
fi

# --- Vulkan for ManiSkill / SAPIEN (begin) ---------------------------------------------------
# SAPIEN needs a Vulkan device even for state observations. Debian 12's Mesa 22.3 lavapipe lacks
# a feature SAPIEN requires; the Mesa 25 lavapipe from the backports suite works. The backports
# source is derived from the image's own deb822 file (same mirror, components and keyring; only
# the Suites line changes), so no host name is written here. Skipped when a Mesa Vulkan driver is
# already installed from backports, or when the image has no deb822 Debian source.
DEBIAN_SOURCES=/etc/apt/sources.list.d/debian.sources
BACKPORTS_SOURCES=/etc/apt/sources.list.d/newt-backports.sources
if command -v apt-get >/dev/null 2>&1 && [ -r "$DEBIAN_SOURCES" ] && [ -r /etc/os-release ]; then
    CODENAME="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    if [ -n "$CODENAME" ] && ! dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q bpo; then
        # Keep the stanzas that list the plain release suite; point them at <codename>-backports.
        awk -v cn="$CODENAME" '
            BEGIN { RS = ""; ORS = "\n\n" }
            { n = split($0, lines, "\n"); keep = 0; out = ""
              for (i = 1; i <= n; i++) {
                  if (lines[i] ~ /^Suites:/) {
                      split(lines[i], words, /[ \t]+/)
                      for (j = 2; j in words; j++) if (words[j] == cn) keep = 1
                      lines[i] = "Suites: " cn "-backports"
                  }
                  out = out lines[i] (i < n ? "\n" : "")
              }
              if (keep) print out }' "$DEBIAN_SOURCES" > /tmp/newt-backports.sources
        if [ -s /tmp/newt-backports.sources ]; then
            $SUDO install -m 644 /tmp/newt-backports.sources "$BACKPORTS_SOURCES"
            $SUDO apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t "$CODENAME-backports" \
                mesa-vulkan-drivers libvulkan1
        else
            echo "setup.sh: no '$CODENAME' suite in $DEBIAN_SOURCES; install a Vulkan driver (Mesa >= 25) yourself" >&2
        fi
        rm -f /tmp/newt-backports.sources
    fi
elif command -v apt-get >/dev/null 2>&1 && ! dpkg -s libvulkan1 >/dev/null 2>&1; then
    # Not a deb822 Debian image (e.g. the Ubuntu CUDA base of docker/Dockerfile): take the distro's
    # Vulkan loader and Mesa drivers. On a GPU node SAPIEN renders through NVIDIA's own Vulkan ICD,
    # which the NVIDIA container runtime mounts; Mesa is the CPU fallback.
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mesa-vulkan-drivers libvulkan1
elif ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: cannot derive a backports source; ManiSkill needs a Vulkan driver (Mesa >= 25 lavapipe)" >&2
fi
# --- Vulkan for ManiSkill / SAPIEN (end) -----------------------------------------------------

# --- Python package ----------------------------------------------------------------------------
# torch first and alone, pinned, so pip never resolves it to a multi-GB CUDA build on CPU machines.
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[test]"
python -m pip check
echo "setup.sh: done"
