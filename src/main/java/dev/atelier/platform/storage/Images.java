package dev.atelier.platform.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.servlet.http.HttpServletRequest;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Image sizes and transformations (PNG and JPEG) with javax.imageio. The source's pixel count is
 * read from its header and bounded before it is decoded, so no request can make the server
 * decode an image of unbounded size; at most two renders run at once; results are cached by
 * version and transformation (a new upload is a new version).
 */
final class Images {

    static final int MAX_DIMENSION = 2500;
    private static final long MAX_SOURCE_PIXELS = 40_000_000L;
    private static final java.util.concurrent.Semaphore RENDERS = new java.util.concurrent.Semaphore(2);

    record Rendered(byte[] bytes, String contentType) {}

    private final Cache<String, Rendered> cache = Caffeine.newBuilder()
            .maximumWeight(64L << 20)
            .weigher((String k, Rendered v) -> v.bytes().length + k.length())
            .build();

    /** Width and height from the header of a PNG, JPEG, GIF or BMP; null for anything else or a broken image. */
    int @Nullable [] dimensions(String mime, Path file) {
        String type = Objects.baseType(mime);
        if (!type.equals("image/png")
                && !type.equals("image/jpeg")
                && !type.equals("image/gif")
                && !type.equals("image/bmp")) {
            return null;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return in == null ? null : header(in);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static int @Nullable [] header(ImageInputStream in) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            return null;
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, true, true);
            return new int[] {reader.getWidth(0), reader.getHeight(0)};
        } finally {
            reader.dispose();
        }
    }

    /** width, height (0 = keep the ratio), resize mode and JPEG quality. */
    record Transform(int width, int height, String resize, int quality) {

        static Transform fromQuery(HttpServletRequest req) {
            return new Transform(
                    dimension(req.getParameter("width"), "width"),
                    dimension(req.getParameter("height"), "height"),
                    mode(req.getParameter("resize")),
                    quality(req.getParameter("quality")));
        }

        static Transform of(JsonNode t) {
            return new Transform(
                    dimension(t.path("width").asText(null), "width"),
                    dimension(t.path("height").asText(null), "height"),
                    mode(t.path("resize").asText(null)),
                    quality(t.path("quality").asText(null)));
        }

        static Transform parse(String encoded) {
            String[] p = encoded.split(",");
            if (p.length != 4) {
                throw StorageError.invalid("bad transformation");
            }
            return new Transform(dimension(p[0], "width"), dimension(p[1], "height"), mode(p[2]), quality(p[3]));
        }

        String encode() {
            return width + "," + height + "," + resize + "," + quality;
        }

        private static int dimension(@Nullable String v, String field) {
            if (v == null || v.isBlank() || v.equals("0")) {
                return 0;
            }
            try {
                int n = Integer.parseInt(v.trim());
                if (n < 1 || n > MAX_DIMENSION) {
                    throw StorageError.invalid(field + " must be between 1 and " + MAX_DIMENSION);
                }
                return n;
            } catch (NumberFormatException e) {
                throw StorageError.invalid(field + " must be a whole number");
            }
        }

        private static String mode(@Nullable String v) {
            if (v == null || v.isBlank()) {
                return "cover";
            }
            String m = v.trim().toLowerCase(Locale.ROOT);
            if (!m.equals("cover") && !m.equals("contain") && !m.equals("fill")) {
                throw StorageError.invalid("resize must be cover, contain or fill");
            }
            return m;
        }

        private static int quality(@Nullable String v) {
            if (v == null || v.isBlank()) {
                return 80;
            }
            try {
                int q = Integer.parseInt(v.trim());
                if (q < 20 || q > 100) {
                    throw StorageError.invalid("quality must be between 20 and 100");
                }
                return q;
            } catch (NumberFormatException e) {
                throw StorageError.invalid("quality must be a whole number");
            }
        }
    }

    Rendered render(String version, JsonNode metadata, Blob blob, Transform t) throws IOException {
        String key = version + "/" + t.encode();
        Rendered cached = cache.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        String mime = Objects.baseType(metadata.path("mimetype").asText(""));
        boolean png = mime.equals("image/png");
        if (!png && !mime.equals("image/jpeg")) {
            throw new StorageError(
                    415, "InvalidMimeType", "invalid_mime_type", "only PNG and JPEG images can be transformed");
        }
        try {
            if (!RENDERS.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new StorageError(503, "SlowDown", "SlowDown", "too many image transformations at once");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageError(503, "SlowDown", "SlowDown", "interrupted");
        }
        try {
            BufferedImage source;
            try (InputStream in = blob.stream(0, blob.size());
                    ImageInputStream iis = ImageIO.createImageInputStream(in)) {
                Iterator<ImageReader> readers = iis == null ? null : ImageIO.getImageReaders(iis);
                if (readers == null || !readers.hasNext()) {
                    throw StorageError.invalid("the object is not a readable image");
                }
                ImageReader reader = readers.next();
                try {
                    reader.setInput(iis, true, true);
                    long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                    if (pixels > MAX_SOURCE_PIXELS) {
                        throw new StorageError(
                                413,
                                "EntityTooLarge",
                                "Payload too large",
                                "the image has too many pixels to transform");
                    }
                    source = reader.read(0);
                } finally {
                    reader.dispose();
                }
            }
            BufferedImage out = resize(source, t, png);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            if (png) {
                ImageIO.write(out, "png", bytes);
            } else {
                ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
                try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(bytes)) {
                    writer.setOutput(ios);
                    ImageWriteParam param = writer.getDefaultWriteParam();
                    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                    param.setCompressionQuality(t.quality() / 100f);
                    writer.write(null, new IIOImage(out, null, null), param);
                } finally {
                    writer.dispose();
                }
            }
            Rendered rendered = new Rendered(bytes.toByteArray(), png ? "image/png" : "image/jpeg");
            cache.put(key, rendered);
            return rendered;
        } finally {
            RENDERS.release();
        }
    }

    private static BufferedImage resize(BufferedImage src, Transform t, boolean alpha) {
        int sw = src.getWidth();
        int sh = src.getHeight();
        int w = t.width();
        int h = t.height();
        if (w == 0 && h == 0) {
            return src;
        }
        if (w == 0) {
            w = Math.max(1, (int) Math.round((double) sw * h / sh));
        } else if (h == 0) {
            h = Math.max(1, (int) Math.round((double) sh * w / sw));
        }
        int type = alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB;
        BufferedImage dst;
        Graphics2D g;
        switch (t.resize()) {
            case "fill" -> {
                dst = new BufferedImage(w, h, type);
                g = dst.createGraphics();
                quality(g);
                g.drawImage(src, 0, 0, w, h, null);
            }
            case "contain" -> {
                double scale = Math.min((double) w / sw, (double) h / sh);
                int cw = Math.max(1, (int) Math.round(sw * scale));
                int ch = Math.max(1, (int) Math.round(sh * scale));
                dst = new BufferedImage(cw, ch, type);
                g = dst.createGraphics();
                quality(g);
                g.drawImage(src, 0, 0, cw, ch, null);
            }
            default -> { // cover: fill the box, crop the overflow from the centre
                double scale = Math.max((double) w / sw, (double) h / sh);
                int cw = (int) Math.ceil(sw * scale);
                int ch = (int) Math.ceil(sh * scale);
                dst = new BufferedImage(w, h, type);
                g = dst.createGraphics();
                quality(g);
                g.drawImage(src, (w - cw) / 2, (h - ch) / 2, cw, ch, null);
            }
        }
        g.dispose();
        return dst;
    }

    private static void quality(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    }
}
