/*
 * Java's ZIP readers for tests/e2e/readers.sh:
 *   java Readers zipfile ZIP         java.util.zip.ZipFile (central directory)
 *   java Readers zipinputstream ZIP  java.util.zip.ZipInputStream (local headers, streaming)
 *   java Readers commons ZIP         commons-compress ZipArchiveInputStream, default settings
 * Each prints "NAME<TAB>SHA-256" per file and "NAME<TAB>-" per folder, in
 * archive order, as tests/readers/expect.py does; any exception is a failure.
 */
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;

public class Readers {
	static OutputStream out;
	static byte[] buf = new byte[1 << 20];

	static void entry(String name, boolean dir, InputStream in) throws Exception {
		String h = "-";
		if (!dir) {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			int n;
			while ((n = in.read(buf)) > 0)
				md.update(buf, 0, n);
			StringBuilder sb = new StringBuilder();
			for (byte b : md.digest())
				sb.append(String.format("%02x", b));
			h = sb.toString();
		}
		out.write((name + "\t" + h + "\n").getBytes(StandardCharsets.UTF_8));
	}

	public static void main(String[] args) throws Exception {
		out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
		switch (args[0]) {
		case "zipfile":
			try (ZipFile z = new ZipFile(args[1])) {
				Enumeration<? extends ZipEntry> en = z.entries();
				while (en.hasMoreElements()) {
					ZipEntry e = en.nextElement();
					try (InputStream in = z.getInputStream(e)) {
						entry(e.getName(), e.isDirectory(), in);
					}
				}
			}
			break;
		case "zipinputstream":
			try (ZipInputStream z = new ZipInputStream(
			    new BufferedInputStream(new FileInputStream(args[1]), 1 << 16))) {
				ZipEntry e;
				while ((e = z.getNextEntry()) != null)
					entry(e.getName(), e.isDirectory(), z);
			}
			break;
		case "commons":
			try (ZipArchiveInputStream z = new ZipArchiveInputStream(
			    new BufferedInputStream(new FileInputStream(args[1]), 1 << 16))) {
				ZipArchiveEntry e;
				while ((e = z.getNextZipEntry()) != null)
					entry(e.getName(), e.isDirectory(), z);
			}
			break;
		default:
			throw new IllegalArgumentException("unknown reader " + args[0]);
		}
		out.flush();
	}
}
