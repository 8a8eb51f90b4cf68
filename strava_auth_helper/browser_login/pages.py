"""The HTML the browser sees: small, self-contained pages that speak to where the person is."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field, replace
from html import escape

from ..errors import LOGIN_COMMAND
from .words import ATHLETE_LIMIT, STRAVA_ERROR_PAGE, Words, link

#: Where the person is: at a terminal, after a double-click (no terminal), or in a notebook.
TERMINAL, DESKTOP, NOTEBOOK = "terminal", "desktop", "notebook"

_STYLE = """
:root{color-scheme:light dark;--accent:#c43e00;--ok:#1a7f37;--bad:#b3261e;--warn:#8f5100;
 --muted:#5f5f69;--bg:#f4f4f6;--card:#fff;--text:#1f1f24;--link:#0b57d0;--field:#fff}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
 font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);
 color:var(--text)}
main{width:min(36rem,100% - 1rem);margin:.5rem;background:var(--card);border-radius:12px;
 box-shadow:0 2px 12px #0002;overflow:hidden}
header{padding:1.25rem 1.5rem;color:#fff;background:var(--accent)}
header.ok{background:var(--ok)}header.bad{background:var(--bad)}header.warn{background:var(--warn)}
h1{margin:0;font-size:1.35rem;line-height:1.3}
h2{font-size:1.05rem;margin:1rem 0 .25rem}
section{padding:1.25rem 1.5rem}
p{margin:.5rem 0}ul,ol{margin:.5rem 0;padding-left:1.25rem}li{margin:.25rem 0}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,summary:focus-visible{
 outline:3px solid var(--link);outline-offset:2px}
code,pre{font:.9em ui-monospace,Menlo,Consolas,monospace;background:#0000000d;border-radius:4px}
code{padding:.1em .3em;overflow-wrap:anywhere}
pre{padding:.6rem .75rem;white-space:pre-wrap;overflow-wrap:anywhere}
.note{border-left:4px solid var(--accent);padding:.5rem .75rem;background:#c43e000d}
.problem{border-left:4px solid var(--bad);padding:.5rem .75rem;background:#b3261e12}
.muted{color:var(--muted);font-size:.9rem}
ul.plain{list-style:none;padding:0}ul.plain li{margin:.4rem 0}
.buttons{display:flex;gap:.75rem;flex-wrap:wrap}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;border-radius:6px;border:0;
 background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:transparent;color:inherit;border:1px solid var(--muted)}
button.small{padding:.2rem .7rem;font-size:.9rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=password]{font:inherit;width:100%;padding:.5rem .6rem;
 border:1px solid var(--muted);border-radius:6px;background:var(--field);color:inherit}
.copy{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
details{margin:.75rem 0}summary{cursor:pointer;font-weight:600}
@media (prefers-color-scheme:dark){:root{--bg:#18181b;--card:#26262b;--text:#ededf0;
 --muted:#b4b4be;--link:#8ab4f8;--field:#1d1d21}code,pre{background:#ffffff1a}
 .note{background:#c43e0024}.problem{background:#b3261e33}}
"""

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title} · strava-auth-helper</title><style>{style}</style></head>
<body><main><header class="{tone}"><h1>{title}</h1></header>
<section>{body}{footer}</section></main>{script}</body></html>
"""

#: The catcher's policy: no script, no outside resource, forms only to itself.
DEFAULT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"


@dataclass(frozen=True)
class Page:
    """An HTTP status, the HTML to send with it, and its Content-Security-Policy."""

    status: int
    html: str = field(repr=False)
    policy: str = DEFAULT_POLICY
    #: No referrer at all, so the code in the address never leaves; the set-up page's is
    #: ``same-origin``, under which a browser names the page in its form's ``Origin``.
    referrer: str = "no-referrer"


_FOOTER = '<p class="muted">You can close this tab.</p>'


def render(
    status: int,
    title: str,
    body: str,
    tone: str,
    footer: str = _FOOTER,
    *,
    script: str = "",
    policy: str = DEFAULT_POLICY,
) -> Page:
    """A page: ``title`` over ``body`` in a header coloured by ``tone``.

    ``title`` is escaped here, ``body`` (HTML) by the caller; ``tone`` is "ok", "warn",
    "bad", or "" for the accent. A ``script`` (trusted text of this module) is allowed by
    its hash alone.
    """
    tag = f"<script>{script}</script>" if script else ""
    if script:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        policy += f"; script-src 'sha256-{digest}'"
    html = _TEMPLATE.format(
        title=escape(title), style=_STYLE, body=body, tone=tone, footer=footer, script=tag
    )
    return Page(status, html, policy)


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li><code>{escape(i)}</code></li>" for i in items) + "</ul>"


def _settings_link(text: str = "Strava's API settings page") -> str:
    return link(text).html()


def try_again(audience: str) -> str:
    """How this person starts a new login, in their words (HTML)."""
    if audience == DESKTOP:
        return "double-click the <strong>Strava login</strong> launcher again"
    if audience == NOTEBOOK:
        return "run the notebook cell with <code>login()</code> again"
    return f"run <code>{LOGIN_COMMAND}</code> again"


def _after(audience: str) -> str:
    """What happens now, for this person."""
    if audience == TERMINAL:
        return "<p>The terminal has the rest: you can close this tab.</p>"
    if audience == DESKTOP:  # someone who double-clicked: words, no code, no hidden folder
        return (
            "<p>It is saved on this computer, readable only by you: the programs here that "
            "use it can now reach your Strava data. There is nothing else to do; you can "
            "close this tab.</p>"
        )
    return (
        "<p>You can close this tab. Scripts on this computer can now use Strava:</p>"
        "<pre>from strava_auth_helper import get_access_token\n"
        "token = get_access_token()  # a live token, refreshed when needed</pre>"
    )


def success(
    first_name: str,
    scopes: list[str],
    missing: list[str],
    token_path: str,
    audience: str = TERMINAL,
) -> Page:
    """The athlete authorized: greet them, list what was granted and where the token went."""
    body = "<p>Strava granted these permissions:</p>" + (
        _list(scopes) if scopes else "<p><em>(Strava did not say which)</em></p>"
    )
    if missing:
        who = f", {first_name}," if first_name else ""
        title = f"Connected{who} but some permissions are missing"
        body += (
            '<div class="note"><p><strong>Some permissions were not granted:</strong></p>'
            + _list(missing)
            + "<p>Scripts that need them will fail. To grant them, "
            + (
                f"run <code>{LOGIN_COMMAND} --force</code>"
                if audience == TERMINAL
                else "log in again with <code>login(force=True)</code>"
                if audience == NOTEBOOK
                else try_again(audience)
            )
            + " and leave every box ticked on Strava's page.</p></div>"
        )
    else:
        title = f"Connected, {first_name}!" if first_name else "Connected to Strava"
    if audience != DESKTOP:
        body += f"<p>The token was saved to <code>{escape(token_path)}</code>.</p>"
    return render(200, title, body + _after(audience), "warn" if missing else "ok", footer="")


def declined(audience: str = TERMINAL) -> Page:
    """The athlete pressed Cancel on Strava's page."""
    body = (
        "<p>You declined access on Strava's page, so nothing was saved.</p>"
        f"<p>To try again, {try_again(audience)} and press <strong>Authorize</strong>.</p>"
    )
    return render(200, "Access declined", body, "bad")


#: What can go wrong at a login, and what to do, for the help part of a failure page.
_HELP = [
    (ATHLETE_LIMIT[0], ATHLETE_LIMIT[1].html()),
    (STRAVA_ERROR_PAGE[0], STRAVA_ERROR_PAGE[1].html()),
    (
        "Strava refuses the Client ID or Client Secret",
        f"Copy both again from {_settings_link()} (press “show” next to the secret). "
        "The app's <strong>Authorization Callback Domain</strong> must be "
        "<code>localhost</code>.",
    ),
    (
        "Strava says the app is inactive",
        "Only the app's owner can fix that, on Strava's API settings page; logging in again "
        "cannot help.",
    ),
    (
        "The page after Authorize does not load",
        "A firewall, WSL or an SSH session may keep the browser from reaching this computer: "
        "paste the address from the browser's address bar where the login asks for it.",
    ),
]


#: The last help item for a double-click's pages: nobody is asked to paste anything there.
_UNREACHED_DESKTOP = (
    "A firewall or security software may keep the browser from reaching this computer's "
    "login: allow it, then double-click the launcher again."
)


def _help(audience: str = TERMINAL) -> str:
    helps = _HELP if audience != DESKTOP else [*_HELP[:-1], (_HELP[-1][0], _UNREACHED_DESKTOP)]
    items = "".join(f"<li><strong>{title}</strong>: {text}</li>" for title, text in helps)
    return (
        '<details id="help"><summary>Help with common problems</summary>'
        f'<ul class="plain">{items}</ul></details>'
    )


def failed(
    message: str, audience: str = TERMINAL, advice: Words | None = None, *, saved: bool = False
) -> Page:
    """The login failed: what to do in a person's words, Strava's own words, and help.

    ``message`` is the error's text, shown as what Strava or the login said; ``saved``: the
    token was saved all the same (it works once what is said is sorted out).
    """
    said = advice.html() if advice is not None else "Strava did not hand over the token."
    then = (
        "The token was saved all the same: it works once that is sorted out."
        if saved
        else f"Nothing was saved. When that is sorted out, {try_again(audience)}."
    )
    body = (
        f"<p>{said}</p><p>{then}</p>"
        f'<p class="note"><strong>Details:</strong> {escape(message)}</p>'
        + _help(audience)
        + f"<p>{_settings_link('Your Strava API settings')}</p>"
    )
    return render(502, "Saved, but not working yet" if saved else "Login failed", body, "bad")


def asked_again_in_terminal(advice: Words) -> Page:
    """Strava refused a credential the terminal gave: the terminal asks again."""
    body = (
        f"<p>{advice.html()}</p>"
        "<p>Nothing was saved. The terminal asks for the value again, then opens Strava's "
        "page anew.</p>"
    )
    return render(401, "Strava did not accept the app's details", body, "bad")


def wrong_state(audience: str = TERMINAL) -> Page:
    """The redirect does not belong to the login in progress (possible forgery)."""
    where = (
        f"Open the link printed by <code>{LOGIN_COMMAND}</code> in the terminal."
        if audience == TERMINAL
        else f"To log in, {try_again(audience)}."
    )
    body = (
        "<p>This link does not belong to the login that is waiting (or to an earlier try of "
        f"it), so it was ignored.</p><p>{where}</p>"
    )
    return render(400, "Unexpected login link", body, "bad")


def finished() -> Page:
    """A second redirect after the login already completed."""
    return render(409, "Login already finished", "<p>This login has already been used.</p>", "bad")


def timed_out(audience: str = TERMINAL) -> Page:
    """A redirect that came after the login gave up waiting."""
    body = (
        "<p>The login stopped waiting before this answer arrived, so nothing was saved.</p>"
        f"<p>To try again, {try_again(audience)}.</p>"
    )
    return render(409, "Login timed out", body, "bad")


def not_found() -> Page:
    """Anything but the callback and set-up paths."""
    return render(
        404, "Not found", "<p>Nothing here: this server only waits for Strava.</p>", "bad"
    )


def bad_request(reason: str, status: int = 400) -> Page:
    """A request the catcher refuses (wrong Host header and the like)."""
    return render(status, "Request refused", f"<p>{escape(reason)}</p>", "bad")


_COPY_SCRIPT = (
    "document.querySelectorAll('button[data-copy]').forEach(function(b){"
    "b.hidden=false;b.addEventListener('click',function(){"
    "var s=document.getElementById(b.dataset.copy);"
    "navigator.clipboard.writeText(s.textContent).then(function(){"
    "document.getElementById(b.dataset.copy+'-said').textContent='Copied.';});});});"
)


def setup(
    action: str,
    *,
    strava_origin: str,
    callback_domain: str = "localhost",
    client_id: int | None = None,
    problem: Words | None = None,
    saved_to: str | None = None,
) -> Page:
    """The set-up page: create the Strava app, then type its Client ID and Client Secret.

    Args:
        action: the path the form posts to (the catcher's one-time set-up path).
        strava_origin: where the form's answer sends the browser (Strava's authorize page);
            the page's policy lets the form go there and to the catcher only.
        callback_domain: what to type as the app's Authorization Callback Domain.
        client_id: shown again in its field (never the secret).
        problem: what was wrong with the last try.
        saved_to: the ``.env`` the values are saved to once Strava accepted them.
    """
    said = f'<div class="problem" role="alert"><p>{problem.html()}</p></div>' if problem else ""
    steps = (
        "<p>Scripts reach Strava through an <em>app</em> of your own. Create it once, then "
        "copy two of its values here.</p>"
        "<ol>"
        f"<li>Open {_settings_link()} and log in to Strava.</li>"
        "<li>Create an app (any name and website will do). As "
        "<strong>Authorization Callback Domain</strong> type "
        '<span class="copy"><code id="domain">'
        f"{escape(callback_domain)}</code>"
        '<button type="button" class="small secondary" data-copy="domain" hidden>'
        'Copy</button><span id="domain-said" role="status"></span></span></li>'
        "<li>Copy the app's <strong>Client ID</strong> and <strong>Client Secret</strong> "
        "(press “show” next to the secret) into the fields below.</li>"
        "</ol>"
    )
    value = f' value="{client_id}"' if client_id is not None else ""
    form = (
        f'<form method="post" action="{escape(action)}">'
        '<label for="client_id">Client ID</label>'
        f'<input type="text" id="client_id" name="client_id" inputmode="numeric" '
        f'autocomplete="off" spellcheck="false" required{value}>'
        '<label for="client_secret">Client Secret</label>'
        '<input type="password" id="client_secret" name="client_secret" autocomplete="off" '
        'spellcheck="false" required>'
        '<p class="buttons" style="margin-top:1rem"><button type="submit">'
        "Continue to Strava</button></p></form>"
    )
    kept = (
        f'<p class="muted">They are saved on this computer, readable only by you, in '
        f"<code>{escape(saved_to)}</code>, once Strava has accepted them: a mistyped value is "
        "never kept.</p>"
        if saved_to
        else ""
    )
    policy = f"{DEFAULT_POLICY} {strava_origin}"
    page = render(
        200 if problem is None else 401,
        "Connect this computer to Strava",
        said + steps + form + kept + _help(DESKTOP),  # (only where a browser opens)
        "",
        footer="",
        script=_COPY_SCRIPT,
        policy=policy,
    )
    return replace(page, referrer="same-origin")
