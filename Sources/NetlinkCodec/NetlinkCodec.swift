// NetlinkCodec: see ARCHITECTURE.md
