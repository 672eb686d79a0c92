package dev.atelier.platform.ai;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** PNG and looping animated GIF encoding of drawn images (deterministic: same pixels, same bytes). */
final class Encoders {

    private Encoders() {}

    /**
     * PNG at the fastest deflate level: the drawings are flat colours and gradients, which compress
     * well anyway. (A hand-written encoder with one filter per row was measured slower than ImageIO's
     * writer under the C1-only test JVM, and was dropped.)
     */
    static byte[] png(BufferedImage image) {
        return png(image, 0.9f); // deflate level 1: 2-3 times faster than the default level, files ~5% larger
    }

    static byte[] png(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (param.canWriteCompressed()) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality);
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /**
     * An animated GIF that loops forever (the NETSCAPE2.0 application extension), each frame shown
     * for {@code delayCentiseconds}. Frames are mapped to a fixed 6×7×6 colour cube with ordered
     * dithering: fast, and the same for every frame.
     */
    static byte[] gif(List<BufferedImage> frames, int delayCentiseconds) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (int i = 0; i < frames.size(); i++) {
                BufferedImage indexed = indexed(frames.get(i));
                IIOMetadata metadata =
                        writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(indexed), null);
                String format = metadata.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
                IIOMetadataNode control = child(root, "GraphicControlExtension");
                control.setAttribute("disposalMethod", "none");
                control.setAttribute("userInputFlag", "FALSE");
                control.setAttribute("transparentColorFlag", "FALSE");
                control.setAttribute("delayTime", Integer.toString(delayCentiseconds));
                control.setAttribute("transparentColorIndex", "0");
                if (i == 0) {
                    IIOMetadataNode extensions = child(root, "ApplicationExtensions");
                    IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
                    loop.setAttribute("applicationID", "NETSCAPE");
                    loop.setAttribute("authenticationCode", "2.0");
                    loop.setUserObject(new byte[] {1, 0, 0}); // sub-block 1, loop count 0 = forever
                    extensions.appendChild(loop);
                }
                metadata.setFromTree(format, root);
                writer.writeToSequence(new IIOImage(indexed, null, metadata), null);
            }
            writer.endWriteSequence();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    private static final IndexColorModel CUBE = cube();
    private static final int[] BAYER = {0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5};

    private static IndexColorModel cube() {
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        int i = 0;
        for (int ri = 0; ri < 6; ri++) {
            for (int gi = 0; gi < 7; gi++) {
                for (int bi = 0; bi < 6; bi++) {
                    r[i] = (byte) (ri * 255 / 5);
                    g[i] = (byte) (gi * 255 / 6);
                    b[i] = (byte) (bi * 255 / 5);
                    i++;
                }
            }
        }
        return new IndexColorModel(8, 256, r, g, b);
    }

    /** The image in the colour cube, with a 4×4 ordered dither so that gradients do not band. */
    static BufferedImage indexed(BufferedImage rgb) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, CUBE);
        byte[] target = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            rgb.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int d = BAYER[(y & 3) * 4 + (x & 3)]; // 0..15
                int ri = level((p >> 16) & 0xff, 5, d);
                int gi = level((p >> 8) & 0xff, 6, d);
                int bi = level(p & 0xff, 5, d);
                target[y * w + x] = (byte) (ri * 42 + gi * 6 + bi);
            }
        }
        return out;
    }

    private static int level(int value, int steps, int dither) {
        int scaled = value * steps * 16 / 255 + dither; // in sixteenths of a step
        return Math.min(steps, scaled / 16);
    }
}
