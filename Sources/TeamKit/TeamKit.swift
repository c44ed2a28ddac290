// TeamKit: see ARCHITECTURE.md
