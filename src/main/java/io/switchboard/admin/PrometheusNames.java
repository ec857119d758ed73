package io.switchboard.admin;

import java.util.Arrays;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.stereotype.Component;

/**
 * Says "bytes" once in a Prometheus name. Micrometer's Prometheus names end in the base unit,
 * so a meter named {@code switchboard.bytes.received} with base unit bytes was scraped as
 * {@code switchboard_bytes_received_bytes_total}. Every byte count of the relay is of payload
 * bytes, so the name's {@code bytes} becomes {@code payload}:
 * {@code switchboard_payload_received_bytes_total}, {@code switchboard_queued_payload_bytes}.
 * A filter rather than other names in the relay's code, which only counts; Spring Boot applies
 * every MeterFilter bean before the first meter is registered.
 */
@Component
class PrometheusNames implements MeterFilter {

    @Override
    public Meter.Id map(Meter.Id id) {
        if (!"bytes".equals(id.getBaseUnit()) || !id.getName().startsWith("switchboard.")) {
            return id;
        }
        String[] segments = id.getName().split("\\.");
        if (Arrays.stream(segments).noneMatch("bytes"::equals)) {
            return id;
        }
        return id.withName(Arrays.stream(segments).map((segment) -> segment.equals("bytes") ? "payload" : segment)
                .collect(Collectors.joining(".")));
    }
}
