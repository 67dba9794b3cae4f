"""The nota kesepahaman a selected region signs with Kominfo."""
