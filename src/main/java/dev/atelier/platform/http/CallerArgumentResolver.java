package dev.atelier.platform.http;

import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.auth.SessionEndedException;
import dev.atelier.platform.db.Caller;
import java.sql.SQLException;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Lets a domain controller declare a {@link Caller} parameter: the request's verified credentials,
 * of a session that is still live.
 */
@Configuration
class CallerArgumentResolver implements HandlerMethodArgumentResolver, WebMvcConfigurer {

    private final CallerResolver callers;

    CallerArgumentResolver(CallerResolver callers) {
        this.callers = callers;
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Caller.class;
    }

    /**
     * Domain endpoints act for a session, as GoTrue's do: a signed-out session's access token is
     * refused here although its signature and expiry are still good (unlike the stateless data API).
     */
    @Override
    public Caller resolveArgument(
            MethodParameter parameter,
            ModelAndViewContainer container,
            NativeWebRequest request,
            WebDataBinderFactory binderFactory)
            throws SQLException {
        try {
            return RequestLog.role(
                    callers.resolveLive(request.getHeader("Authorization"), request.getHeader("apikey")));
        } catch (SessionEndedException e) {
            throw Problem.unauthorized(e.getMessage());
        }
    }
}
