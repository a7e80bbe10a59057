"""tests/agents/user_suite is a user's suite of a voice agent: it needs livekit-agents, so
this venv never collects it; tests/agents/test_agent_session.py runs it in .venv-agents."""

collect_ignore = ["user_suite"]
