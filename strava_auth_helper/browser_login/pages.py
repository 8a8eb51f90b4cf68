"""The HTML the browser sees: small, self-contained pages that escape everything they echo."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from ..errors import LOGIN_COMMAND

_STYLE = """
:root{color-scheme:light dark;--accent:#fc5200;--ok:#1a7f37;--bad:#c62828;--muted:#6b6b76}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
 font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f4f6;color:#222}
main{width:min(34rem,100% - 2rem);margin:1rem;background:#fff;border-radius:12px;
 box-shadow:0 2px 12px #0002;overflow:hidden}
header{padding:1.25rem 1.5rem;color:#fff;background:var(--accent)}
header.ok{background:var(--ok)}header.bad{background:var(--bad)}header.warn{background:#a15c00}
h1{margin:0;font-size:1.35rem;line-height:1.3}
section{padding:1.25rem 1.5rem}
p{margin:.5rem 0}ul{margin:.5rem 0;padding-left:1.25rem}
code{font:.9em ui-monospace,Menlo,Consolas,monospace;background:#0000000d;padding:.1em .3em;
 border-radius:4px;overflow-wrap:anywhere}
.note{border-left:4px solid var(--accent);padding:.5rem .75rem;background:#fc52000d}
.muted{color:var(--muted);font-size:.9rem}
ul.plain{list-style:none;padding:0}ul.plain li{margin:.4rem 0}
.buttons{display:flex;gap:.75rem;flex-wrap:wrap}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;border-radius:6px;border:0;
 background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:transparent;color:inherit;border:1px solid #8888}
@media (prefers-color-scheme:dark){body{background:#18181b;color:#eee}main{background:#26262b}
 code{background:#ffffff1a}}
"""

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title} · strava-auth-helper</title><style>{style}</style></head>
<body><main><header class="{tone}"><h1>{title}</h1></header>
<section>{body}{footer}</section></main></body></html>
"""


@dataclass(frozen=True)
class Page:
    """An HTTP status and the HTML to send with it."""

    status: int
    html: str = field(repr=False)


_FOOTER = '<p class="muted">You can close this tab.</p>'


def render(status: int, title: str, body: str, tone: str, footer: str = _FOOTER) -> Page:
    """A page: ``title`` over ``body`` in a header coloured by ``tone``.

    A page: ``title`` (escaped here) over ``body`` (HTML, escaped by the caller), in a
    header coloured by ``tone`` ("ok", "warn", "bad", or "" for the accent).
    """
    html = _TEMPLATE.format(title=escape(title), style=_STYLE, body=body, tone=tone, footer=footer)
    return Page(status, html)


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li><code>{escape(i)}</code></li>" for i in items) + "</ul>"


def success(first_name: str, scopes: list[str], missing: list[str], token_path: str) -> Page:
    """The athlete authorized: greet them, list what was granted and where the token went."""
    greeting = f"Connected, {first_name}!" if first_name else "Connected to Strava"
    body = "<p>Strava granted these permissions:</p>" + (
        _list(scopes) if scopes else "<p><em>(Strava did not say which)</em></p>"
    )
    if missing:
        body += (
            '<div class="note"><p><strong>Some permissions were not granted:</strong></p>'
            + _list(missing)
            + "<p>Scripts that need them will fail. To grant them, run "
            f"<code>{LOGIN_COMMAND} --force</code> and leave every box ticked.</p></div>"
        )
    body += f"<p>The token was saved to <code>{escape(token_path)}</code>.</p>"
    body += "<p>Go back to the terminal: your scripts can use Strava now.</p>"
    return render(200, greeting, body, "warn" if missing else "ok")


def declined() -> Page:
    """The athlete pressed Cancel on Strava's page."""
    body = (
        "<p>You declined access on Strava's page, so nothing was saved.</p>"
        f"<p>To try again, run <code>{LOGIN_COMMAND}</code> and press "
        "<strong>Authorize</strong>.</p>"
    )
    return render(200, "Access declined", body, "bad")


def failed(message: str) -> Page:
    """The code exchange failed: show Strava's own words and what to do."""
    body = (
        "<p>Strava did not hand over the token:</p>"
        f'<p class="note">{escape(message)}</p>'
        "<p>Nothing was saved. Check the message in the terminal, then run "
        f"<code>{LOGIN_COMMAND}</code> again.</p>"
    )
    return render(502, "Login failed", body, "bad")


def wrong_state() -> Page:
    """The redirect does not belong to the login in progress (possible forgery)."""
    body = (
        "<p>This link does not belong to the login that is waiting, so it was ignored.</p>"
        f"<p>Open the link printed by <code>{LOGIN_COMMAND}</code> in the terminal.</p>"
    )
    return render(400, "Unexpected login link", body, "bad")


def finished() -> Page:
    """A second redirect after the login already completed."""
    return render(409, "Login already finished", "<p>This login has already been used.</p>", "bad")


def timed_out() -> Page:
    """A redirect that came after the login gave up waiting."""
    body = (
        "<p>The login stopped waiting before this answer arrived, so nothing was saved.</p>"
        f"<p>Run <code>{LOGIN_COMMAND}</code> again.</p>"
    )
    return render(409, "Login timed out", body, "bad")


def not_found() -> Page:
    """Anything but the callback path."""
    return render(
        404, "Not found", "<p>Nothing here: this server only waits for Strava.</p>", "bad"
    )


def bad_request(reason: str) -> Page:
    """A request the catcher refuses (wrong Host header and the like)."""
    return render(400, "Request refused", f"<p>{escape(reason)}</p>", "bad")
