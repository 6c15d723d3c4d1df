"""Text from the CRM or the rules files made safe to print: rich would read `[...]` as markup
(lose text, crash on `[/]`, make a live link) and escape sequences would reach the terminal."""

import re

from rich.text import Text

#: Control characters (C0 but tab and newline, DEL, C1) and Unicode line/paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def shown(value: object) -> Text:
    """Data as inert text: never read as markup, control characters made visible as `\\xNN`."""
    return Text(_CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", str(value)))
