"""The browser login: the catcher and its HTTP server, pages, the browser, the flow.

Also pastes of the address the browser lands on, what the pages and the terminal say
(``words``), and the front ends (a terminal, a notebook).
"""
