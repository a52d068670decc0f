"""The Textual app. Talks to msc_tui.core only; never to aiodocker."""
