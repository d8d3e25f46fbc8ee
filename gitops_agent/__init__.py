"""gitops_agent."""
