package io.switchboard.support;

import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggerConfiguration;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;

/**
 * Keeps the relay's bind failure to one report. Spring Integration's connection factory logs a
 * failed bind as an ERROR with its stack trace, on its accept thread, before the start fails
 * and {@link RelayPortFailureAnalyzer} reports the same in one paragraph. So the factory's
 * logger is silent until the relay listens and the context has started it, and gets its
 * configured level back then: errors after that (a failed accept) are logged as before. Both,
 * because the accept thread may announce that it listens before the start, on the main thread,
 * logs its one "started" line (500 characters of bean description) at INFO. Registered in
 * {@code META-INF/spring.factories}.
 */
public final class RelayBindLog implements ApplicationListener<ApplicationPreparedEvent> {

    static final String FACTORY_LOGGER = "io.switchboard.relay.RelayServerConnectionFactory";

    @Override
    public void onApplicationEvent(ApplicationPreparedEvent event) {
        LoggingSystem logging = LoggingSystem.get(event.getSpringApplication().getClassLoader());
        LoggerConfiguration configuration = logging.getLoggerConfiguration(FACTORY_LOGGER);
        LogLevel configured = (configuration != null) ? configuration.getConfiguredLevel() : null;
        logging.setLogLevel(FACTORY_LOGGER, LogLevel.OFF);
        ConfigurableApplicationContext context = event.getApplicationContext();
        // Each flag once, whichever comes first; a child context's refresh (a separate management
        // port) reaches these listeners too and is not this context's start.
        AtomicBoolean listening = new AtomicBoolean();
        AtomicBoolean started = new AtomicBoolean();
        AtomicBoolean restored = new AtomicBoolean();
        Runnable restore = () -> {
            if (listening.get() && started.get() && restored.compareAndSet(false, true)) {
                logging.setLogLevel(FACTORY_LOGGER, configured);
            }
        };
        context.addApplicationListener(GenericApplicationListener.forEventType(TcpConnectionServerListeningEvent.class,
                (listened) -> {
                    listening.set(true);
                    restore.run();
                }));
        context.addApplicationListener(GenericApplicationListener.forEventType(ContextRefreshedEvent.class,
                (refreshed) -> {
                    if (refreshed.getApplicationContext() == context) {
                        started.set(true);
                        restore.run();
                    }
                }));
    }
}
