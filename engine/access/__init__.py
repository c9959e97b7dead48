"""Who may do what: officers' passwords and sign-in (with throttling), sessions, and the authorisation
policy that every command, page and API route asks (engine.access.policy)."""
