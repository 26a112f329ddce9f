"""Loading and running submitted code safely: see runner.Sandbox."""
