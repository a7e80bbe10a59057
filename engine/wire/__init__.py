"""What both sides of the boundary share: message limits, the fast lane's framing and
shared-memory blobs. The engine's servers and the client bindings both import these, so the
two ends cannot drift apart."""
