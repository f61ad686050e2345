;;; evalens-run.el --- Sending a run to evalens and showing its Result  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; Every run is a workspace/executeCommand request, sent asynchronously
;; (`evalens-execute').  `evalens--run' shows a pending marker, queues the
;; run's header for `*evalens-output*', and places the Result when it
;; arrives: after the code that ran, after the `def' line of a function
;; called (the Result's `target', or the buffer's document symbols), in a
;; lens title that makes that call, or, for a function defined in no
;; visible buffer, in the echo area and the output buffer.  A refusal is
;; told in the user's terms (an untrusted workspace: how to trust it).

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)
(require 'evalens-server)
(require 'evalens-output)
(require 'evalens-results)
(require 'evalens-lenses)

(declare-function evalens--command "evalens" (role))

(defvar evalens-last-result nil
  "The last Result received, as a plist (for scripts and tests).")

(defun evalens--server ()
  "This buffer's evalens server, running; else a `user-error' saying why not."
  (let ((server (eglot-current-server)))
    (cond ((null server)
           (user-error "evalens: this buffer is not managed by an evalens server (M-x eglot)"))
          ((not (jsonrpc-running-p server))
           (user-error "%s" evalens-not-running-message))
          (t server))))

(defun evalens--uri ()
  (plist-get (eglot--TextDocumentIdentifier) :uri))

(defconst evalens-untrusted-message
  "evalens: nothing runs until you trust this code: (customize-set-variable 'evalens-trusted t)"
  "Shown when the server refuses to run code in an untrusted workspace.")

(defun evalens-error-text (err)
  "The message to show for ERR, a JSON-RPC error plist from the server."
  (let ((text (or (plist-get err :message) "")))
    (cond ((and (eql (plist-get err :code) -32803) (string-match-p "untrusted" text))
           evalens-untrusted-message)
          ((string-prefix-p "evalens: " text) text) ; the server's exit, told by `evalens--watch-exit'
          (t (concat "evalens: " text)))))

(defun evalens-execute (command argument &optional on-result on-error)
  "Send workspace/executeCommand COMMAND with ARGUMENT, asynchronously.
ON-RESULT gets the result, ON-ERROR the JSON-RPC error plist."
  (evalens--async-request
   (evalens--server) :workspace/executeCommand
   (list :command command :arguments (vector argument))
   :success-fn (lambda (result) (when on-result (funcall on-result result)))
   :error-fn (lambda (err)
               (if on-error (funcall on-error err)
                 (message "%s" (evalens-error-text err))))))

(defun evalens--line-position (buffer line)
  "The start of 0-based LINE in BUFFER."
  (with-current-buffer buffer
    (save-excursion
      (save-restriction
        (widen)
        (goto-char (point-min))
        (forward-line line)
        (point)))))

(defun evalens--place (buffer result call fallback)
  "Where to show RESULT of a run from BUFFER: (BUFFER . POSITION), or nil.
CALL non-nil: the Result of `evalens.call', whose `target' gives the def
line of the function called, shown there when that is BUFFER or a buffer
visible in a window, else nowhere (nil).  Without `target' (an older
server), or for other runs: FALLBACK, a marker or nil."
  (if (and call (plist-member result :target))
      (let* ((target (plist-get result :target))
             (uri (plist-get target :uri))
             (line (plist-get target :line))
             (there (and (stringp uri) (integerp line)
                         (find-buffer-visiting (eglot--uri-to-path uri)))))
        (when (and there (or (eq there buffer) (get-buffer-window there 'visible)))
          (cons there (evalens--line-position there line))))
    (when (and fallback (buffer-live-p (marker-buffer fallback)))
      (cons (marker-buffer fallback) (marker-position fallback)))))

(defun evalens--show-elsewhere (run label result generation)
  "Show RESULT of RUN (LABEL, e.g. \"countdown(3)\") in the echo area and the output.
For a call whose function is defined in no visible buffer."
  (let ((text (car (evalens-describe result))))
    (when (< generation evalens--generation)
      (setq text (concat text evalens-stale-suffix)))
    (evalens--write-header run)
    (when evalens--output-partial (evalens--output-insert "\n"))
    (evalens--output-insert (concat text "\n"))
    (message "evalens: %s %s" label text)))

(defun evalens--run (pos command argument header &optional locate)
  "Run COMMAND with ARGUMENT; show the Result at the end of the line of POS.
LOCATE, when non-nil, is called with a function to call with a better
position (the called function's line, from the server's document symbols)
or nil: the command is sent at once, and its Result waits for that
position if need be.  A call's Result that names the def line of what it
called (`target') is shown there instead (see `evalens--place')."
  (evalens--server)                     ; a server that runs, or nothing is shown
  (let* ((buffer (current-buffer))
         (call (equal command (evalens--command 'call)))
         (label (format "%s(%s)" (plist-get argument :target) (or (plist-get argument :args) "")))
         (marker (copy-marker pos))
         (run (cons header nil))
         (located (null locate))
         (found (null locate))
         (failed nil)
         (answered nil)
         (answer nil)
         (generation nil)
         (ov (and located (evalens--show pos "⋯" 'evalens-pending-face)))
         (finish
          (lambda (result)
            (when ov (delete-overlay ov))
            (let ((place (evalens--place buffer result call (and found marker))))
              (cond ((null place)
                     (evalens--show-elsewhere run label result generation))
                    ((not (and call (evalens--lens-shows-p (car place) (cdr place) argument)))
                     (with-current-buffer (car place)
                       (evalens--show-result (cdr place) result generation)))))
            (when (buffer-live-p buffer)
              (with-current-buffer buffer (evalens-refresh-lenses))))))
    (setq evalens--runs (append evalens--runs (list run)))
    (when locate
      (funcall locate
               (lambda (position)
                 (when (and position (buffer-live-p buffer))
                   (set-marker marker position buffer)
                   (setq found t))
                 (setq located t)
                 (cond (answered (funcall finish answer))
                       ((and found (not failed))
                        (with-current-buffer buffer
                          (setq ov (evalens--show marker "⋯" 'evalens-pending-face))))))))
    (evalens-execute
     command argument
     (lambda (result)
       (setq evalens-last-result result)
       ;; At once, before the position is known: later Results may arrive meanwhile.
       (setq generation (evalens--arrived result))
       (evalens--end-run run result)
       (setq answered t
             answer result)
       (when located (funcall finish result)))
     (lambda (err)
       (setq failed t)
       (evalens--end-run run nil)
       (when ov (delete-overlay ov))
       (message "%s" (evalens-error-text err))))))

;;; Server commands that lenses and code actions carry, run by this mode

(defvar evalens--client-commands nil
  "Server commands this mode runs itself when a lens or a code action carries one.
An alist of (ROLE . FUNCTION): FUNCTION is called with the command's
argument plist, in the buffer of its `uri', so that the run's results
are shown as the mode's own commands show them.")

(defun evalens--define-client-command (role function)
  "Run the server command of ROLE with FUNCTION here.
When a lens or a code action carries it; see `evalens--client-commands'."
  (setf (alist-get role evalens--client-commands) function))

(defun evalens--client-command (command)
  "The function that runs COMMAND (a name, string or symbol) here, or nil."
  (cl-loop for (role . function) in evalens--client-commands
           when (equal (format "%s" command) (evalens--command role)) return function))

(cl-defmethod eglot-execute-command :around ((_server evalens-server) command arguments)
  "Run the commands of `evalens--client-commands' (lenses, code actions) here.
So their results are shown.  Other commands go as eglot sends them."
  (let ((function (evalens--client-command command)))
    (if (not function)
        (cl-call-next-method)
      (let* ((argument (and (> (length arguments) 0) (elt arguments 0)))
             (uri (plist-get argument :uri)))
        (with-current-buffer (or (and uri (find-buffer-visiting (eglot--uri-to-path uri))) (current-buffer))
          (funcall function argument))))))

(provide 'evalens-run)
;;; evalens-run.el ends here
