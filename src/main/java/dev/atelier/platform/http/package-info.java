/** HTTP concerns shared by every surface: cross-origin access. */
package dev.atelier.platform.http;
