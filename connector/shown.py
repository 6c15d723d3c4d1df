"""Text from the CRM or the rules files, made safe to print on a terminal.

rich reads `[...]` as markup: an industry list or a company name would lose text, a `[/]` would
crash the command, a `[link=...]` would turn live. Terminal escape sequences in a name would reach
the terminal itself. Everything data-derived is printed through `shown()` instead.
"""

import re

from rich.text import Text

#: Control characters (C0 but tab and newline, DEL, C1) and Unicode line/paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def shown(value: object) -> Text:
    """Data as inert text: never read as markup, control characters made visible as `\\xNN`."""
    return Text(_CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", str(value)))
