"""The browser login: the catcher, its pages, the flow and its front ends.

The browser login: the catcher and its HTTP server, pages, opening the browser, pastes,
the flow, ``login()`` and its front ends (terminal, notebook, double-click launchers).
"""
