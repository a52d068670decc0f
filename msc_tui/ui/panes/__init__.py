"""The main screen's panes: each owns its widgets, its state and its own work; MainScreen
composes them and routes the keys and messages between them."""
