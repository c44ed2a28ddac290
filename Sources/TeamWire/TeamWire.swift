// TeamWire: see ARCHITECTURE.md
