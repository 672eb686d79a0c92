package dev.atelier.platform.http;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Browsers call the API from other origins (supabase-js in a web app), as they do Supabase. Access
 * is decided by tokens and RLS, never by origin, so every origin may call, without cookies.
 */
@Configuration
class CorsConfig implements WebMvcConfigurer {

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        registry.addMapping("/**")
                .allowedOriginPatterns("*")
                .allowedMethods("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
                .allowedHeaders("*")
                .exposedHeaders(
                        "Content-Range",
                        "Content-Profile",
                        "Location",
                        "Preference-Applied",
                        "X-Total-Count",
                        "X-Request-Id")
                .allowCredentials(false)
                .maxAge(86400);
    }
}
