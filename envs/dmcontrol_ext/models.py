"""Model XML for the custom DMC tasks: our own files, and small edits of stock dm_control models.

Stock models are edited in memory (parsed with lxml, one attribute changed) rather than copied,
so they stay in step with the installed dm_control. New bodies live in `xml/` next to this file.
Every model includes dm_control's shared `./common/*.xml` assets, passed as `common.ASSETS`.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

from dm_control.suite import common
from lxml import etree

XML_DIR = Path(__file__).parent / "xml"
INCLINE_DEGREES = 8.0  # uphill slope of the inclined walker floor along +x
ASSETS = common.ASSETS


def _edit(xml: str | bytes, edits: dict[str, dict[str, str]]) -> str:
    """Set attributes on elements found by XPath: {xpath: {attribute: value}}."""
    root = etree.fromstring(xml if isinstance(xml, bytes) else xml.encode())
    for path, attributes in edits.items():
        element = root.find(path)
        if element is None:
            raise ValueError(f"no element {path!r} in the model")
        for key, value in attributes.items():
            element.set(key, value)
    return etree.tostring(root, encoding="unicode")


@functools.cache
def walker_long_floor() -> str:
    """Stock walker with a floor of half-length 500 (stock 250), so backward walkers stay on it."""
    return _edit(
        common.read_model("walker.xml"),
        {"./worldbody/geom[@name='floor']": {"size": "500 .8 .2", "pos": "248 0 0"}},
    )


@functools.cache
def walker_incline() -> str:
    """Stock walker on a floor through the origin that rises by INCLINE_DEGREES along +x."""
    angle = math.radians(INCLINE_DEGREES)
    normal = f"{-math.sin(angle):.6f} 0 {math.cos(angle):.6f}"
    return _edit(
        common.read_model("walker.xml"),
        {"./worldbody/geom[@name='floor']": {"size": "500 .8 .2", "pos": "0 0 0", "zaxis": normal}},
    )


@functools.cache
def cheetah_long_ground() -> str:
    """Stock cheetah with a ground of half-length 200 (stock 100)."""
    return _edit(
        common.read_model("cheetah.xml"),
        {"./worldbody/geom[@name='ground']": {"size": "200 .8 .5", "pos": "198 0 0"}},
    )


@functools.cache
def cartpole_long_pole() -> str:
    """Stock cartpole whose pole is 1.5 long (stock 1.0) and weighs 0.2 (stock 0.1)."""
    return _edit(
        common.read_model("cartpole.xml"),
        {"./default/default[@class='pole']/geom": {"fromto": "0 0 0 0 0 1.5", "mass": ".2"}},
    )


def own(name: str) -> str:
    """One of this package's model files (`xml/<name>`)."""
    path = XML_DIR / name
    if not path.is_file():
        accepted = sorted(p.name for p in XML_DIR.glob("*.xml"))
        raise ValueError(f"no model file {name!r}; accepted: {accepted}")
    return path.read_text()


@functools.cache
def limbed_ball(limb_angles: tuple[float, ...]) -> str:
    """The jumper/spinner body: a ball torso with one hinged limb per angle (degrees about +y).

    Angle 0 points straight up, 180 straight down; positive angles turn toward +x. Each limb
    gets a hinge `limb_<i>` and a motor of the same name, in the order of `limb_angles`.
    """
    root = etree.fromstring(own("limbed_ball.xml").encode())
    torso = root.find("./worldbody/body[@name='torso']")
    actuators = root.find("./actuator")
    for i, angle in enumerate(limb_angles):
        limb = etree.SubElement(torso, "body", name=f"limb_{i}", euler=f"0 {angle:g} 0")
        etree.SubElement(limb, "joint", name=f"limb_{i}")
        etree.SubElement(limb, "geom", name=f"limb_{i}", type="capsule", fromto="0 0 0 0 0 .566", size=".052")
        etree.SubElement(limb, "geom", name=f"foot_{i}", type="sphere", pos="0 0 .566", size=".078")
        etree.SubElement(actuators, "motor", name=f"limb_{i}", joint=f"limb_{i}", gear="100")
    return etree.tostring(root, encoding="unicode")
