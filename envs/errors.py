"""Errors shared by the env makers."""


class MissingAssetsError(RuntimeError):
    """A task needs files that do not ship with a package; the message names them and the fetch command."""
