package io.switchboard.admin;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.resource.LiteWebJarsResourceResolver;

/**
 * The operator console's pieces. Static resources are off for the rest of the application
 * (application.properties), so the console's scripts and styles are mapped here, and only
 * these: htmx, its SSE extension and uPlot from their WebJars, by version-free paths, and the
 * console's own two files.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleConfiguration implements WebMvcConfigurer {

    @Bean
    RelaySampler relaySampler(MeterRegistry meters) {
        return new RelaySampler(meters, Clock.systemUTC());
    }

    /**
     * Owns its threads and shuts them down with the context. Its scheduler is not a bean of
     * its own: a ScheduledExecutorService bean would make Spring Boot's task scheduler, which
     * Spring Integration uses, back off.
     */
    @Bean(destroyMethod = "close")
    ConsoleStreams consoleStreams(RelaySampler relaySampler) {
        return new ConsoleStreams(relaySampler);
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        // The jar's only WebJars are the console's three (server.pom.xml).
        registry.addResourceHandler("/webjars/**")
                .addResourceLocations("classpath:/META-INF/resources/webjars/")
                .setCacheControl(CacheControl.noCache())
                .resourceChain(true)
                .addResolver(new LiteWebJarsResourceResolver());
        registry.addResourceHandler("/console/assets/**")
                .addResourceLocations("classpath:/console/")
                .setCacheControl(CacheControl.noCache());
    }
}
