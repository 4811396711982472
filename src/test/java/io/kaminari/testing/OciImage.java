package io.kaminari.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * An OCI image tarball (what {@code jib:buildTar} writes with format OCI) unpacked into a root file system and run
 * from it, the way a container runtime would, minus the isolation a test does not need.
 *
 * <p>{@link #unpack} applies the layers in order and honours OCI whiteouts ({@code .wh.NAME} deletes NAME of a lower
 * layer, {@code .wh..wh..opq} empties a directory). {@link #command} runs the image's entrypoint and command inside
 * that root with the image's environment, user and working directory: in a private mount namespace it binds the
 * host's {@code /proc}, {@code /dev}, {@code /etc/hosts}, {@code /etc/hostname} and {@code /etc/resolv.conf} into the
 * root (as a runtime provides them), makes the root read-only but its volumes, then {@code nsenter --root --wd
 * --setuid --setgid} enters it. This relies on root (CAP_SYS_ADMIN and CAP_SYS_CHROOT: CI runs as root) and on
 * util-linux's {@code unshare}, {@code mount} and {@code nsenter} on the host; nothing is mounted outside the child's
 * own mount namespace, so deleting the root afterwards never reaches the host's {@code /proc} or {@code /dev}.
 */
public final class OciImage {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The files a container runtime provides in /etc (name resolution of the container's own host name included). */
  private static final List<String> RUNTIME_FILES = List.of("hosts", "hostname", "resolv.conf");

  private final Path blobs;
  private final JsonNode config;
  private final List<String> layers = new ArrayList<>();

  private OciImage(Path blobs, JsonNode config, List<String> layers) {
    this.blobs = blobs;
    this.config = config;
    this.layers.addAll(layers);
  }

  /** Reads the OCI tarball {@code tarball}, copying its blobs under {@code work}. */
  public static OciImage open(Path tarball, Path work) throws IOException {
    assertThat(tarball).as("%s: build the images first (mvn package without -Djib.skip)", tarball).isRegularFile();
    Path dir = Files.createDirectories(work.resolve("oci"));
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tarball))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (!e.isFile()) continue;
        Path out = dir.resolve(e.getName()).normalize();
        assertThat(out.startsWith(dir)).as("blob %s", e.getName()).isTrue();
        Files.createDirectories(out.getParent());
        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
    JsonNode manifest = JSON.readTree(blob(dir, index.path("manifests").path(0).path("digest").asText()).toFile());
    JsonNode config = JSON.readTree(blob(dir, manifest.path("config").path("digest").asText()).toFile());
    List<String> layers = new ArrayList<>();
    manifest.path("layers").forEach(l -> {
      assertThat(l.path("mediaType").asText()).endsWith("tar+gzip");
      layers.add(l.path("digest").asText());
    });
    assertThat(layers).isNotEmpty();
    return new OciImage(dir, config, layers);
  }

  private static Path blob(Path dir, String digest) {
    assertThat(digest).startsWith("sha256:");
    return dir.resolve("blobs/sha256/" + digest.substring("sha256:".length()));
  }

  /** The image configuration's {@code config} object (Entrypoint, Cmd, Env, User, WorkingDir, Volumes...). */
  public JsonNode config() {
    return config.path("config");
  }

  /** The image's environment. */
  public Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    config().path("Env").forEach(e -> {
      String s = e.asText();
      env.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
    });
    return env;
  }

  /** The mount points the image declares as volumes. */
  public List<String> volumes() {
    List<String> out = new ArrayList<>();
    config().path("Volumes").fieldNames().forEachRemaining(out::add);
    return out;
  }

  /** Entrypoint followed by Cmd. */
  public List<String> entrypointAndCmd() {
    List<String> out = new ArrayList<>();
    config().path("Entrypoint").forEach(a -> out.add(a.asText()));
    config().path("Cmd").forEach(a -> out.add(a.asText()));
    return out;
  }

  /**
   * Applies every layer in order to {@code root}, then gives each declared volume a fresh empty, world-writable
   * directory, as an emptyDir volume would be.
   */
  public Path unpack(Path root) throws IOException {
    Files.createDirectories(root);
    for (String layer : layers) {
      try (TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(
          Files.newInputStream(blob(blobs, layer))))) {
        for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          apply(root, e, in);
        }
      }
    }
    for (String volume : volumes()) {
      Path dir = inside(root, volume);
      deleteRecursively(dir);
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, EnumSet.allOf(PosixFilePermission.class));
    }
    return root;
  }

  private static void apply(Path root, TarArchiveEntry e, InputStream content) throws IOException {
    String name = e.getName().replaceFirst("^(\\./|/)+", "");
    if (name.isEmpty() || name.equals(".")) return;
    Path path = inside(root, name);
    String base = path.getFileName().toString();
    if (base.equals(".wh..wh..opq")) { // opaque directory: nothing of the lower layers stays in it
      try (Stream<Path> children = Files.list(path.getParent())) {
        for (Path c : (Iterable<Path>) children::iterator) deleteRecursively(c);
      }
      return;
    }
    if (base.startsWith(".wh.")) {
      deleteRecursively(path.resolveSibling(base.substring(".wh.".length())));
      return;
    }
    Files.createDirectories(path.getParent());
    if (e.isDirectory()) {
      if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) deleteRecursively(path);
      Files.createDirectories(path);
    } else {
      deleteRecursively(path);
      if (e.isSymbolicLink()) {
        Files.createSymbolicLink(path, Path.of(e.getLinkName()));
        return;
      } else if (e.isLink()) {
        Files.copy(inside(root, e.getLinkName().replaceFirst("^(\\./|/)+", "")), path);
      } else {
        Files.copy(content, path);
      }
    }
    Files.setPosixFilePermissions(path, permissions(e.getMode()));
    if (e.getLongUserId() != 0 || e.getLongGroupId() != 0) {
      Files.setAttribute(path, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** {@code name} below {@code root}, refusing names that climb out of it. */
  private static Path inside(Path root, String name) {
    Path p = root.resolve(name.replaceFirst("^/+", "")).normalize();
    assertThat(p.startsWith(root)).as("layer entry %s stays inside the root", name).isTrue();
    return p;
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high bit first
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << (8 - i))) != 0) out.add(bits[i]);
    }
    return out;
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> walk = Files.walk(p)) {
        for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(q);
      }
    } else {
      Files.delete(p);
    }
  }

  /**
   * The process that runs {@code command} (usually {@link #entrypointAndCmd}, perhaps with other arguments, as a pod's
   * {@code args} would give) inside {@code root} as the image's user, in its working directory, with exactly the
   * image's environment plus {@code extraEnv}, and with the root file system read-only except for the declared
   * volumes (as {@code readOnlyRootFilesystem: true} with emptyDir volumes).
   */
  public ProcessBuilder command(Path root, List<String> command, Map<String, String> extraEnv) {
    String[] user = config().path("User").asText("0").split(":");
    String uid = user[0].isEmpty() ? "0" : user[0];
    String gid = user.length > 1 ? user[1] : uid;
    assertThat(uid).as("numeric user").matches("\\d+");
    String wd = config().path("WorkingDir").asText("/");
    List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "/bin/sh",
        "-c", "set -e; root=$1 wd=$2 uid=$3 gid=$4 volumes=$5; shift 5; "
            + "mount --bind \"$root\" \"$root\"; "
            + "for v in $volumes; do mount --bind \"$root$v\" \"$root$v\"; done; "
            + "mount --rbind /proc \"$root/proc\"; mount --rbind /dev \"$root/dev\"; "
            + "for f in " + String.join(" ", RUNTIME_FILES) + "; do mount --bind \"/etc/$f\" \"$root/etc/$f\"; done; "
            + "mount -o remount,bind,ro \"$root\"; "
            + "exec nsenter --root=\"$root\" --wd=\"$root$wd\" --setuid=\"$uid\" --setgid=\"$gid\" -- \"$@\"",
        "sh", root.toString(), wd, uid, gid, String.join(" ", volumes())));
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    pb.environment().putAll(env());
    pb.environment().putAll(extraEnv);
    // The host tools above run before the root changes: let them be found whatever PATH the image sets.
    pb.environment().put("PATH", pb.environment().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin");
    try {
      Files.createDirectories(root.resolve("proc"));
      Files.createDirectories(root.resolve("dev"));
      Files.createDirectories(inside(root, wd));
      for (String f : RUNTIME_FILES) {
        Path mountPoint = root.resolve("etc").resolve(f);
        if (!Files.exists(mountPoint, LinkOption.NOFOLLOW_LINKS)) Files.createFile(mountPoint);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pb;
  }
}
