"""Qt widgets: thin views over the engine's state (tray, week view, inbox, settings, review)."""
