;;; evalens-server.el --- The evalens server: started, and why it could not start or died  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; The eglot server class of evalens.  Its process is started with the
;; command eglot was given; when the program is missing, or the server
;; exits while eglot waits for it or later, the user is told in the
;; server's own words (its last stderr lines) and how to fix it, instead of
;; eglot's "-1: Server died".  `evalens--ensure' connects a buffer as
;; `eglot-ensure' does, but reports that failure.  The capabilities add
;; code lenses and their refresh request to eglot's.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'jsonrpc)

(defclass evalens-server (eglot-lsp-server) ()
  :documentation "An eglot server for evalens.")

;;; When the server cannot start or dies: its own words and the fix

(defconst evalens-install-hint
  "Install it: pipx install . in the evalens clone, or set evalens-command."
  "The fix shown when the server cannot start.")

(defconst evalens--stderr-lines 5
  "How many of the server's last stderr lines a report shows.")

(defvar evalens--last-exit nil
  "What the user was last told about a server that exited unexpectedly.")

(defun evalens--stderr-tail (server)
  "The last lines SERVER wrote on stderr, each indented, or nil.
eglot keeps them in the hidden buffer \" *EGLOT (...) stderr*\"; what the
process wrote just before it exited is read first."
  (when-let ((buffer (ignore-errors (jsonrpc-stderr-buffer server))))
    (when (buffer-live-p buffer)
      (let ((pipe (get-buffer-process buffer))
            (deadline (+ (float-time) 1.0)))
        (while (and pipe (process-live-p pipe) (< (float-time) deadline)
                    (accept-process-output pipe 0.05 nil t))))
      (with-current-buffer buffer
        (let ((lines (cl-remove-if (lambda (line) (string-blank-p line))
                                   (split-string (buffer-substring-no-properties (point-min) (point-max))
                                                 "\n"))))
          (when lines
            (mapconcat (lambda (line) (concat "  " (string-trim-right line)))
                       (last lines evalens--stderr-lines) "\n")))))))

(defun evalens--exit-text (server process)
  "What to tell the user when PROCESS, SERVER's, exited unexpectedly."
  (let ((how (if (eq (process-status process) 'signal)
                 (format "was killed by signal %d" (process-exit-status process))
               (format "exited with code %d" (process-exit-status process))))
        (tail (evalens--stderr-tail server))
        (started (and (slot-boundp server 'capabilities) (eglot--capabilities server))))
    (concat "evalens: the server " how
            (if tail (concat ":\n" tail) " and wrote nothing on stderr")
            "\n"
            (if started
                "Its log: M-x eglot-events-buffer; M-x eglot starts it again."
              evalens-install-hint))))

(defun evalens--carry-exit-text (server text)
  "Make the requests still waiting on SERVER fail with TEXT, not \"Server died\".
jsonrpc answers them (:code -1 :message \"Server died\"); eglot shows that
as \"[eglot] -1: Server died\" when the server dies while it connects."
  (let ((table (ignore-errors (jsonrpc--request-continuations server))))
    (when (hash-table-p table)
      (maphash (lambda (_id triplet)
                 (let ((on-error (and (consp triplet) (consp (cdr triplet)) (nth 1 triplet))))
                   (when (functionp on-error)
                     (setf (nth 1 triplet)
                           (lambda (err)
                             (funcall on-error (if (eql (plist-get err :code) -1)
                                                   (list :code -1 :message text)
                                                 err)))))))
               table))))

(defun evalens--report-exit (server process)
  "Why PROCESS, SERVER's, ended: computed once, kept on PROCESS and returned."
  (or (process-get process 'evalens-exit)
      (let ((text (evalens--exit-text server process)))
        (process-put process 'evalens-exit text)
        (setq evalens--last-exit text))))

(defun evalens--watch-exit (server)
  "A process sentinel wrapper that tells why SERVER's process ended."
  (lambda (sentinel process change)
    (if (or (process-live-p process) (eglot--shutdown-requested server))
        (funcall sentinel process change)
      (let* ((told (process-get process 'evalens-exit))
             (text (evalens--report-exit server process)))
        (evalens--carry-exit-text server text)
        (unwind-protect (funcall sentinel process change)
          (unless told (message "%s" text)))))))

(defvar evalens--starting nil
  "The evalens server made by the last connection attempt.")

(cl-defmethod initialize-instance :around ((server evalens-server) &optional _slots)
  "Start SERVER's process; a missing program says how to install evalens."
  (condition-case err
      (cl-call-next-method)
    (file-missing
     (error "evalens: cannot start the server: %s is not on exec-path\n%s"
            (car (last err)) evalens-install-hint)))
  (setq evalens--starting server)
  (let ((process (jsonrpc--process server)))
    (when (processp process)
      (add-function :around (process-sentinel process) (evalens--watch-exit server))))
  ;; The stderr pipe's default sentinel writes "Process ... stderr finished" among the
  ;; server's own lines.
  (when-let ((pipe (ignore-errors (get-buffer-process (jsonrpc-stderr-buffer server)))))
    (set-process-sentinel pipe #'ignore)))

(defun evalens--connect ()
  "Start evalens for this buffer, as `eglot-ensure' does, or say why it cannot."
  (remove-hook 'post-command-hook #'evalens--connect t)
  (when (and buffer-file-name (not (eglot-managed-p)))
    (setq evalens--last-exit nil
          evalens--starting nil)
    (condition-case err
        (apply #'eglot--connect (eglot--guess-contact))
      (error
       (let* ((server evalens--starting)
              (process (and server (jsonrpc--process server))))
         (message "%s" (or evalens--last-exit
                           ;; It died before its sentinel ran: eglot could not send to it.
                           (and (processp process) (not (process-live-p process))
                                (evalens--report-exit server process))
                           (error-message-string err))))))))

(defun evalens--ensure ()
  "Connect after the current command, once the buffer is set up.
As `eglot-ensure' does, but saying why the server cannot start."
  (add-hook 'post-command-hook #'evalens--connect nil t))

;;; Talking to the server only while it runs

(defconst evalens-not-running-message
  "evalens: the server is not running; M-x eglot starts it again"
  "Told when a command finds the server of its buffer ended.")

(defun evalens--running-server ()
  "The evalens server of this buffer if its process still runs, else nil.
After the process ends eglot still manages the buffer until the process
sentinel has run, and a Result read just before the end is handled then:
whatever follows it must not write to the ended process."
  (when-let ((server (and (eglot-managed-p) (eglot-current-server))))
    (and (jsonrpc-running-p server) server)))

(defun evalens--async-request (server method params &rest args)
  "Send METHOD with PARAMS to SERVER, asynchronously and without a timeout.
ARGS are `jsonrpc-async-request's :success-fn and :error-fn.  The buffer's
pending changes go first.  A server that no longer runs gets nothing, and
a send that fails because it ended just now signals nothing (it would
escape from the process filter or timer that sent it): :error-fn is called
with (:code -1 :message `evalens-not-running-message')."
  (condition-case nil
      (progn
        (unless (jsonrpc-running-p server)
          (error "Not running"))
        (eglot--signal-textDocument/didChange)
        (apply #'jsonrpc-async-request server method params :timeout nil args))
    (error
     (when-let ((on-error (plist-get args :error-fn)))
       (funcall on-error (list :code -1 :message evalens-not-running-message))))))

(cl-defmethod eglot-client-capabilities ((_server evalens-server))
  "eglot's capabilities, with code lenses and their refresh request."
  (let* ((capabilities (cl-call-next-method))
         (copy (plist-put (copy-sequence capabilities) :workspace
                          (append (list :codeLens (list :refreshSupport t))
                                  (plist-get capabilities :workspace)))))
    (plist-put copy :textDocument
               (append (list :codeLens (list :dynamicRegistration :json-false))
                       (plist-get capabilities :textDocument)))))

(provide 'evalens-server)
;;; evalens-server.el ends here
