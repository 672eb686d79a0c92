/**
 * HTTP concerns shared by every surface: cross-origin access, the caller of a request, errors in
 * each surface's shape (RFC 9457 problems for domain endpoints), body caps, the request log and
 * request ids, and the servlet container's own refusals.
 */
@NullMarked
package dev.atelier.platform.http;

import org.jspecify.annotations.NullMarked;
