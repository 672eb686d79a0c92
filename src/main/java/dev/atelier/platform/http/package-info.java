/** HTTP concerns shared by every surface: cross-origin access, the caller of a request, RFC 9457 problems. */
package dev.atelier.platform.http;
