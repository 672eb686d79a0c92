package dev.atelier.platform.storage;

import dev.atelier.platform.db.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;

/** TUS 1.0 resumable uploads at /storage/v1/upload/resumable. */
final class Tus {

    void handle(HttpServletRequest req, HttpServletResponse res, String method, List<String> rest, Caller caller)
            throws IOException, SQLException {
        throw new StorageError(404, "NotFound", "Not Found", "resumable uploads are not available yet");
    }
}
