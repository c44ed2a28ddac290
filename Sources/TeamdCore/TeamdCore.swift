// TeamdCore: see ARCHITECTURE.md
