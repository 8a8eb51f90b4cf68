"""The browser login: catcher, pages, the browser, the app's credentials, the flow, front ends."""
