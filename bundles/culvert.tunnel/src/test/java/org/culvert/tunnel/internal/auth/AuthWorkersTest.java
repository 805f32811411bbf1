package org.culvert.tunnel.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class AuthWorkersTest {
    @Test
    void stepsRunOnNamedDaemonThreadsAndCloseIsIdempotent() throws Exception {
        AuthWorkers w = new AuthWorkers("srv", 2);
        CompletableFuture<String> name = w.submit(() -> Thread.currentThread().getName() + " " + Thread.currentThread().isDaemon());
        String n = name.get(10, TimeUnit.SECONDS);
        assertTrue(n.startsWith("culvert-auth-srv-"), n);
        assertTrue(n.endsWith(" true"), n);
        w.close();
        w.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> w.submit(() -> 1).get(10, TimeUnit.SECONDS));
        assertInstanceOf(java.util.concurrent.RejectedExecutionException.class, e.getCause());
    }

    @Test
    void aFailingStepFailsItsFutureOnly() throws Exception {
        try (AuthWorkers w = new AuthWorkers("srv", 1)) {
            CompletableFuture<Integer> bad = w.submit(() -> {
                throw new IllegalStateException("boom");
            });
            assertThrows(ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
            assertEquals(7, w.submit(() -> 7).get(10, TimeUnit.SECONDS), "the worker goes on");
        }
    }

    @Test
    void everyRepeatsOnThePollThreadUntilClose() throws Exception {
        AuthWorkers w = new AuthWorkers("srv", 1);
        java.util.concurrent.CountDownLatch three = new java.util.concurrent.CountDownLatch(3);
        java.util.concurrent.atomic.AtomicReference<String> thread = new java.util.concurrent.atomic.AtomicReference<>();
        assertTrue(w.every(10, () -> {
            thread.set(Thread.currentThread().getName());
            three.countDown();
        }));
        assertTrue(three.await(10, TimeUnit.SECONDS), "the task ran three times");
        assertEquals("culvert-auth-srv-poll", thread.get());
        w.close();
        assertTrue(!w.every(10, () -> { }), "nothing is scheduled after close");
    }
}
