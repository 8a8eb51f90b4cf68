"""Double-click launchers: desktop files, the Windows shortcut, and desktop notifications."""
