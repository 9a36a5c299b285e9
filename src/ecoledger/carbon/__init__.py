"""Carbon: dual control of emissions, product footprints and labels, ecosystem sinks, carbon inclusion."""
