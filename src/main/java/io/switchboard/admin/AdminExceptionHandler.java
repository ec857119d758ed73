package io.switchboard.admin;

import java.io.IOException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as a problem document: Spring MVC's own exceptions and ours through
 * {@link ResponseEntityExceptionHandler}, anything unexpected as a bare 500 whose details go
 * to the log, never to the client.
 */
@RestControllerAdvice
class AdminExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Log log = LogFactory.getLog(AdminExceptionHandler.class);

    /** Mostly a client that went away mid-body: nothing of ours failed, and nothing was sent. */
    @ExceptionHandler(IOException.class)
    ResponseEntity<ProblemDetail> unreadable(IOException ex) {
        log.debug("Request body not read: " + ex);
        return ResponseEntity.badRequest()
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "The request body could not be read"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception ex) {
        log.error("Request failed", ex);
        return ResponseEntity.internalServerError()
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, "The request failed"));
    }
}
