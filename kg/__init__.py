"""The kg command and what it shares with the server: settings and the store."""
