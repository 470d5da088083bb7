"""Judges for the transport tests: standard library only, as a plugin's
judges are (the agent transport runs this module's source on the node)."""


def lists(document, name, since=''):
    """``document`` has a line ``<name> <stamp>`` with a stamp at or
    after ``since`` (the node's mark)."""
    for line in (document or '').splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == name and words[1] >= since:
            return True
    return False


def unlisted(document, name):
    """``document`` has no line for ``name``."""
    return not any(line.split()[:1] == [name]
                   for line in (document or '').splitlines())
