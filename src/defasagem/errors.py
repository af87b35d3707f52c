"""Errors a user can act on; their messages are Portuguese and end up on the terminal or page."""


class DefasagemError(Exception):
    """Base class: an expected failure with a message meant for the user (pt-BR)."""


class PedeFormatError(DefasagemError):
    """An input file is not a readable PEDE export, or a value in it cannot be read."""
