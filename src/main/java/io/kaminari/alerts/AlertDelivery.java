package io.kaminari.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kaminari.incidents.IncidentEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one incident notification to every receiver: each is tried up to {@code maxAttempts} times, waiting
 * {@code backoff}, then twice as long each time (at most a minute) between attempts; a receiver that refuses it for
 * good ({@link Receiver.Rejected}) or fails every attempt gets it appended to the dead-letter file, one JSON object a
 * line ({@code receiver}, {@code error}, {@code attempts}, {@code event}), and the next notification goes on. Nothing
 * is dropped silently: each notification ends delivered or in the file.
 */
final class AlertDelivery {
  private static final Logger LOG = LoggerFactory.getLogger(AlertDelivery.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

  /** Waits between attempts; tests pass one that records instead of sleeping. */
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private final List<Receiver> receivers;
  private final int maxAttempts;
  private final Duration backoff;
  private final Path deadLetters;
  private final Sleeper sleeper;

  AlertDelivery(List<Receiver> receivers, int maxAttempts, Duration backoff, Path deadLetters, Sleeper sleeper) {
    if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
    this.receivers = List.copyOf(receivers);
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.deadLetters = deadLetters;
    this.sleeper = sleeper;
  }

  /** Delivers {@code e} to every receiver; returns how many did not take it (and are in the dead-letter file). */
  int deliver(IncidentEvent e) throws InterruptedException {
    int failed = 0;
    for (Receiver r : receivers) {
      if (!deliver(r, e)) failed++;
    }
    return failed;
  }

  private boolean deliver(Receiver r, IncidentEvent e) throws InterruptedException {
    Duration wait = backoff;
    for (int attempt = 1; ; attempt++) {
      try {
        r.deliver(e);
        return true;
      } catch (Receiver.Rejected refused) {
        deadLetter(r, e, refused.getMessage(), attempt);
        return false;
      } catch (IOException failure) {
        if (attempt >= maxAttempts) {
          deadLetter(r, e, failure.toString(), attempt);
          return false;
        }
        LOG.warn("{} of incident {} to {} failed (attempt {} of {}), retrying in {}: {}", e.kind(), e.deliveryId(),
            r.name(), attempt, maxAttempts, wait, failure.toString());
        sleeper.sleep(wait);
        wait = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait.multipliedBy(2);
      }
    }
  }

  private void deadLetter(Receiver r, IncidentEvent e, String error, int attempts) {
    LOG.error("{} of incident {} not delivered to {} after {} attempt(s), appended to {}: {}", e.kind(),
        e.deliveryId(), r.name(), attempts, deadLetters, error);
    try {
      ObjectNode line = JSON.createObjectNode();
      line.put("receiver", r.name());
      line.put("error", error);
      line.put("attempts", attempts);
      line.set("event", JSON.readTree(e.toJson()));
      Path parent = deadLetters.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      Files.writeString(deadLetters, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException io) {
      throw new UncheckedIOException("cannot append to the alert dead-letter file " + deadLetters, io);
    }
  }
}
