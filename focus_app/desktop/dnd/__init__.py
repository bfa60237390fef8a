"""Do-not-disturb drivers, one per notification server, behind one port."""
