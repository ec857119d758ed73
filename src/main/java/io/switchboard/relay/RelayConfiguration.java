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
    RelayMetrics relayMetrics(MeterRegistry meters, ClientRegistry registry) {
        return new RelayMetrics(meters, registry);
    }

    @Bean
    ConnectionLifecycle connectionLifecycle(ClientRegistry registry, ObjectProvider<IdAllocator> ids,
            RelayMetrics metrics, RelayProperties properties) {
        return new ConnectionLifecycle(registry, ids.getIfAvailable(SequentialIdAllocator::new), metrics, properties);
    }

    @Bean
    QueueMonitor queueMonitor(ClientRegistry registry, RelayMetrics metrics,
            RelayProperties properties) {
        return new QueueMonitor(registry, metrics, properties.slowConsumerTimeout());
    }

    @Bean
    RelayServerConnectionFactory relayConnectionFactory(RelayProperties properties) {
        RelayServerConnectionFactory factory = new RelayServerConnectionFactory(properties.tcp().port());
        factory.setBacklog(properties.tcp().backlog());
        factory.setLookupHost(false);
        factory.setSoTcpNoDelay(true);
        factory.setDeserializer(new SendBatchDeserializer(properties.maxPayloadBytes().toBytes()));
        factory.setMapper(new InboundFramesMapper());
        factory.setTcpNetConnectionSupport(RelayConnection::new);
        factory.setTcpSocketFactorySupport(new ChannelSocketFactorySupport());
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
    Router router(ClientRegistry registry, RelayProperties properties, RelayMetrics metrics,
            ObjectProvider<RemoteDestinations> remote) {
        return new Router(registry, properties, metrics, remote.getIfAvailable());
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
