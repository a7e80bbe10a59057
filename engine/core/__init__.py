"""The foundations every area builds on, and dispatch and the servers on top of them."""
