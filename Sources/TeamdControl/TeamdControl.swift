// TeamdControl: see ARCHITECTURE.md
