package dev.atelier.platform.ai;

/** Bytes a provider made, their type and pixel size (0 for audio), and what making them cost. */
public record Media(byte[] bytes, String contentType, int width, int height, Usage usage) {}
