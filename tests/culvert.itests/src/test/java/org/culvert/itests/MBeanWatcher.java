package org.culvert.itests;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import javax.management.InstanceNotFoundException;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;

/**
 * Waits for MBeans to be registered or unregistered in the platform MBeanServer without sleeping:
 * listens to the server delegate's notifications and re-checks {@code isRegistered} on each, so a
 * change made before the watcher existed is not missed. {@link #close()} removes the listener and
 * is idempotent. Used inside and outside a framework (only JDK types).
 */
final class MBeanWatcher implements NotificationListener, AutoCloseable {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final Object lock = new Object();
    private boolean listening;

    MBeanWatcher() {
        try {
            server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, this, null, null);
            listening = true;
        } catch (InstanceNotFoundException e) {
            throw new IllegalStateException("the platform MBeanServer has no delegate", e);
        }
    }

    MBeanServer server() {
        return server;
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        if (notification instanceof MBeanServerNotification) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    void awaitRegistered(ObjectName name, long timeoutMillis) throws InterruptedException {
        await(name, true, timeoutMillis);
    }

    void awaitUnregistered(ObjectName name, long timeoutMillis) throws InterruptedException {
        await(name, false, timeoutMillis);
    }

    private void await(ObjectName name, boolean registered, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (lock) {
            while (server.isRegistered(name) != registered) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("MBean " + name + (registered ? " was not registered" : " is still registered") + " after "
                            + timeoutMillis + " ms; registered tunnel MBeans: " + server.queryNames(null, null).stream()
                                    .filter(n -> "org.culvert".equals(n.getDomain())).toList());
                }
                // Woken by the delegate's notifications (sent under no lock of ours); the bound is only a safety net.
                lock.wait(Math.min(left, 200));
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (!listening) {
                return;
            }
            listening = false;
        }
        try {
            server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, this);
        } catch (InstanceNotFoundException | ListenerNotFoundException e) {
            // Nothing to remove.
        }
    }
}
