package dev.atelier.platform.ai;

/** Text a provider wrote, and what writing it cost. */
public record Text(String text, Usage usage) {}
