;;; evalens-kernels.el --- Jupyter kernels as evalens' interpreter  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; `evalens-select-kernel' switches the interpreter that runs code
;; (docs/protocol.md, "Jupyter kernels"): interactively, it lists what the
;; server's `evalens.kernels' finds (evalens' own interpreter, each
;; kernelspec, each running kernel, each kernel of the Jupyter Server in
;; use) and "Jupyter Server or Gateway...", which asks for a URL
;; (`read-string') and a token (`read-passwd': never echoed, never in a
;; history); from Lisp it takes a kernel setting as a plist.  The switch is
;; the server's `evalens.attach', sent asynchronously; its answer (the kernel
;; and the Python) or its error is told in the echo area.
;;
;; A token typed in is kept in this Emacs' memory only, to attach to another
;; kernel of the same server without asking again.

;;; Code:

(require 'cl-lib)
(require 'seq)
(require 'subr-x)
(require 'eglot)
(require 'jsonrpc)
(require 'evalens-results)
(require 'evalens-run)
(require 'evalens-lenses)

(declare-function evalens--command "evalens" (role))
(defvar evalens-settings)               ; evalens.el

(defconst evalens-own-interpreter-label "evalens' own interpreter"
  "The picker's entry of evalens' own interpreter process.")

(defconst evalens-jupyter-server-label "Jupyter Server or Gateway..."
  "The picker's entry that asks for a Jupyter Server's URL and token.")

(defvar evalens--kernel-tokens nil
  "The tokens typed in this session, as (URL . TOKEN); in memory only.")

(defun evalens--kernel-description (kernel)
  "KERNEL, a kernel setting, in a few words (never its token).
KERNEL is a plist; nil for evalens' own interpreter."
  (let ((spec (plist-get kernel :spec))
        (file (plist-get kernel :connectionFile))
        (url (plist-get kernel :url))
        (id (plist-get kernel :id)))
    (cond ((null kernel) evalens-own-interpreter-label)
          (url (format "kernel %s at %s" (or id spec "(the server's default)") url))
          (file (format "kernel %s" (file-name-nondirectory file)))
          (spec (format "kernel %s" spec))
          (t (format "kernel %S" kernel)))))

(defun evalens--same-kernel (a b)
  "Non-nil when kernel settings A and B name the same kernel (tokens aside)."
  (cl-every (lambda (key) (equal (plist-get a key) (plist-get b key)))
            '(:spec :connectionFile :url :id)))

(defun evalens--kernel-entries (answer current)
  "The picker's entries for ANSWER (of `evalens.kernels'), CURRENT in force.
Each is (LABEL . ACTION): ACTION is (:kernel VALUE), (:kernel VALUE
:ask-token t) for a kernel or kernelspec of the server in use whose token
is not known here, or :server for the Jupyter Server prompt."
  (let ((entries nil)
        (url (plist-get current :url)))
    (cl-flet ((add (label kernel &optional ask-token)
                (push (cons (if (evalens--same-kernel kernel current) (concat label " (in use)") label)
                            (append (list :kernel kernel) (and ask-token (list :ask-token t))))
                      entries)))
      (add evalens-own-interpreter-label nil)
      (seq-doseq (spec (plist-get answer :specs))
        (let ((name (plist-get spec :name))
              (shown (plist-get spec :displayName)))
          (add (concat "kernelspec " name (if (and shown (not (equal shown name))) (concat ": " shown) ""))
               (list :spec name))))
      (seq-doseq (running (plist-get answer :running))
        (let ((file (plist-get running :connectionFile)))
          (add (concat "running kernel " file) (list :connectionFile file))))
      (when url
        ;; The kernels and kernelspecs of the server in use: the same setting (its
        ;; :allowInsecure too), with the token typed in this session, or the configured
        ;; one, else asked.
        (let* ((configured (plist-get evalens-settings :kernel))
               (token (or (cdr (assoc url evalens--kernel-tokens))
                          (and (equal (plist-get configured :url) url) (plist-get configured :token))))
               (base (cl-loop for (key value) on current by #'cddr
                              unless (memq key '(:id :spec :token)) append (list key value))))
          (seq-doseq (kernel (plist-get answer :server))
            (add (format "server kernel %s %s%s" (plist-get kernel :name) (plist-get kernel :id)
                         (if (member (plist-get kernel :state) '(nil "")) ""
                           (format " (%s)" (plist-get kernel :state))))
                 (append base (list :id (plist-get kernel :id)) (and token (list :token token)))
                 (null token)))
          (seq-doseq (spec (plist-get answer :serverSpecs))
            (let ((name (plist-get spec :name))
                  (shown (plist-get spec :displayName)))
              (add (concat "server kernelspec " name (if (and shown (not (equal shown name))) (concat ": " shown) ""))
                   (append base (list :spec name) (and token (list :token token)))
                   (null token)))))))
    (nreverse (cons (cons evalens-jupyter-server-label :server) entries))))

(defun evalens--request-now (role argument)
  "Send the server command of ROLE with ARGUMENT and wait for its answer.
A refusal is a `user-error' with the server's message."
  (condition-case err
      (jsonrpc-request (evalens--server) :workspace/executeCommand
                       (list :command (evalens--command role) :arguments (vector argument))
                       :timeout 30)
    (jsonrpc-error
     (let ((data (cdr err)))
       (user-error "%s" (evalens-error-text
                         (list :code (alist-get 'jsonrpc-error-code data)
                               :message (alist-get 'jsonrpc-error-message data))))))))

(defun evalens--read-token (url)
  "The token for URL, read without echo; nil when none is given."
  (let ((token (read-passwd (format "Token for %s (empty: none): " url))))
    (unless (string-empty-p token)
      (setf (alist-get url evalens--kernel-tokens nil nil #'equal) token)
      token)))

(defun evalens--read-kernel ()
  "Ask which interpreter runs code; its kernel setting (nil: evalens' own)."
  (let* ((answer (evalens--request-now 'kernels (make-hash-table)))
         (status (ignore-errors (evalens--request-now 'status (make-hash-table))))
         (current (plist-get status :kernel))
         (entries (evalens--kernel-entries answer current))
         (problem (plist-get answer :serverError)) ; its kernels are not listed
         (choice (completing-read (if problem
                                      (format "evalens: run code in (%s): " (evalens--one-line problem))
                                    "evalens: run code in: ")
                                  (mapcar #'car entries) nil t))
         (action (cdr (assoc choice entries))))
    (cond ((null action) (user-error "evalens: no interpreter chosen"))
          ((eq action :server)
           (let* ((default (or (plist-get current :url) "http://localhost:8888"))
                  (url (string-trim (read-string (format "Jupyter Server URL (default %s): " default)
                                                 nil nil default)))
                  ;; A ?token= in the url (as `jupyter server list' prints it) is the token.
                  (token (unless (string-match-p "[?&]token=" url) (evalens--read-token url))))
             (append (list :url url) (and token (list :token token)))))
          ((plist-get action :ask-token)
           (let ((kernel (copy-sequence (plist-get action :kernel))))
             (append kernel (let ((token (evalens--read-token (plist-get kernel :url))))
                              (and token (list :token token))))))
          (t (plist-get action :kernel)))))

(defun evalens-select-kernel (kernel)
  "Run code in KERNEL, a Jupyter kernel, or in evalens' own interpreter.
Interactively, choose among evalens' own interpreter, the installed
kernelspecs, the running kernels, the kernels of the Jupyter Server in
use, and a Jupyter Server or Gateway (its URL and token asked).  From
Lisp, KERNEL is a kernel setting as a plist: nil (evalens' own
interpreter), (:spec \"python3\"), (:connectionFile FILE) or (:url URL
:token TOKEN) with :id or :spec optionally.  The results shown go with
the interpreter they came from; the echo area tells which kernel and
Python run code now, or the server's error."
  (interactive (list (evalens--read-kernel)))
  (when (and (plist-get kernel :url) (plist-get kernel :token))
    (setf (alist-get (plist-get kernel :url) evalens--kernel-tokens nil nil #'equal) (plist-get kernel :token)))
  (let* ((server (evalens--server))
         (buffers (eglot--managed-buffers server)))
    (evalens-execute
     (evalens--command 'attach) (list :kernel kernel)
     (lambda (status)
       (dolist (buffer buffers)
         (when (buffer-live-p buffer)
           (with-current-buffer buffer
             (evalens-clear)
             (evalens-refresh-lenses))))
       (message "evalens: %s (Python %s%s)" (evalens--kernel-description (plist-get status :kernel))
                (or (plist-get status :python) "?")
                (if (plist-get status :pid) (format ", pid %s" (plist-get status :pid)) ""))))))

(provide 'evalens-kernels)
;;; evalens-kernels.el ends here
