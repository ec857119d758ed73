package io.switchboard.relay;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.ip.tcp.inbound.TcpReceivingChannelAdapter;
import org.springframework.messaging.MessageChannel;

/**
 * The relay's wiring: a blocking server connection factory that reads each connection on its
 * own virtual thread, an inbound channel adapter, a direct channel, and the router at its end,
 * so a frame goes from socket to destination queue on the thread that read it.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RelayProperties.class)
public class RelayConfiguration {

    public static final String INBOUND_CHANNEL = "relayInbound";

    @Bean
    ClientRegistry clientRegistry() {
        return new ClientRegistry();
    }

    @Bean
    MemoryBudget memoryBudget(RelayProperties properties) {
        return new MemoryBudget(properties.maxTotalQueuedBytes().toBytes());
    }

    @Bean
    RelayMetrics relayMetrics(MeterRegistry meters, ClientRegistry registry, MemoryBudget budget) {
        return new RelayMetrics(meters, registry, budget);
    }

    @Bean
    MemoryRelief memoryRelief(ClientRegistry registry, RelayMetrics metrics, MemoryBudget budget) {
        return new MemoryRelief(registry, metrics, budget);
    }

    /** Where new IDs come from: the whole range, or in token mode the range above the stable IDs. */
    @Bean
    IdScheme idScheme(RelayProperties properties, ObjectProvider<ConnectAuthenticator> authenticator) {
        return IdScheme.of(properties.ids(), authenticator.getIfAvailable() != null);
    }

    @Bean
    HelloDeadlines helloDeadlines() {
        return new HelloDeadlines();
    }

    @Bean
    ConnectionLifecycle connectionLifecycle(ClientRegistry registry, ObjectProvider<IdAllocator> ids, IdScheme scheme,
            RelayMetrics metrics, MemoryBudget budget, RelayProperties properties,
            ObjectProvider<ConnectAuthenticator> authenticator, HelloDeadlines deadlines) {
        IdAllocator allocator = ids.getIfAvailable(() -> (scheme.strategy() == IdStrategy.RANDOM)
                ? new RandomIdAllocator(scheme) : new SequentialIdAllocator(scheme));
        return new ConnectionLifecycle(registry, allocator, metrics, budget, properties, authenticator.getIfAvailable(),
                deadlines);
    }

    @Bean
    QueueMonitor queueMonitor(ClientRegistry registry, RelayMetrics metrics, MemoryBudget budget, MemoryRelief relief,
            RelayProperties properties) {
        QueueMonitor monitor = new QueueMonitor(registry, metrics, budget, relief, properties.slowConsumerTimeout(),
                properties.shutdownGrace());
        budget.onOverLimit(monitor::relieveSoon);
        return monitor;
    }

    @Bean
    RelayServerConnectionFactory relayConnectionFactory(RelayProperties properties, MemoryBudget budget,
            MemoryRelief relief, ObjectProvider<RelayTls> tlsProvider) {
        RelayServerConnectionFactory factory = new RelayServerConnectionFactory(properties.tcp().port());
        factory.setBacklog(properties.tcp().backlog());
        factory.setLookupHost(false);
        factory.setSoTcpNoDelay(true);
        factory.setDeserializer(new SendBatchDeserializer());
        factory.setMapper(new InboundFramesMapper());
        long maxPayloadBytes = properties.maxPayloadBytes().toBytes();
        RelayTls tls = tlsProvider.getIfAvailable();
        factory.setTcpNetConnectionSupport((socket, server, lookupHost, publisher, name) -> new RelayConnection(socket,
                (tls != null) ? tls.layer(socket) : null, server, lookupHost, publisher, name, maxPayloadBytes, budget,
                relief));
        factory.setTcpSocketFactorySupport((tls != null) ? tls.socketFactorySupport() : new ChannelSocketFactorySupport());
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("reader-");
        executor.setVirtualThreads(true);
        factory.setTaskExecutor(executor);
        return factory;
    }

    @Bean(INBOUND_CHANNEL)
    MessageChannel relayInbound() {
        return new DirectChannel();
    }

    @Bean
    TcpReceivingChannelAdapter relayInboundAdapter(RelayServerConnectionFactory factory,
            MessageChannel relayInbound) {
        TcpReceivingChannelAdapter adapter = new TcpReceivingChannelAdapter();
        adapter.setConnectionFactory(factory);
        adapter.setOutputChannel(relayInbound);
        return adapter;
    }

    @Bean
    @ServiceActivator(inputChannel = INBOUND_CHANNEL)
    Router router(ClientRegistry registry, RelayProperties properties, RelayMetrics metrics, MemoryBudget budget,
            MemoryRelief relief, ObjectProvider<RemoteDestinations> remote) {
        return new Router(registry, properties, metrics, budget, relief, remote.getIfAvailable());
    }

    @Bean
    RelayEndpoint relayEndpoint(RelayServerConnectionFactory factory) {
        return new RelayEndpoint(factory);
    }

    @Bean
    RelayShutdown relayShutdown(ClientRegistry registry, ConnectionLifecycle lifecycle,
            RelayServerConnectionFactory factory, RelayProperties properties) {
        return new RelayShutdown(registry, lifecycle, factory, properties.shutdownGrace());
    }
}
