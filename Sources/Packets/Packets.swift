// Packets: see ARCHITECTURE.md
